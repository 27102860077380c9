import {Box} from 'ink';
import {Spinner} from '../components/spinner.js';

export interface ProgressStepProps {
	/** What is happening, e.g. "Writing the files". */
	readonly label: string;
}

/** Short work with nothing to decide: a spinner and a label. */
export function ProgressStep({label}: ProgressStepProps) {
	return (
		<Box marginTop={1}>
			<Spinner label={label} />
		</Box>
	);
}
