// The yardstick for the first frame: a minimal @clack/prompts program that shows one prompt.
import {text} from '@clack/prompts';

await text({message: 'Which provider sends your Zulip email?'});
