import {Text} from './text.js';
import {useEffect, useState} from 'react';
import {useLineMode} from '../line-mode-context.js';
import {colors} from '../theme.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface SpinnerProps {
	/** Text after the spinner. */
	readonly label?: string;
}

/** A spinner; its own timer keeps the rest of the tree from re-rendering. */
export function Spinner({label}: SpinnerProps) {
	// Appended lines cannot animate: each frame would be a line of its own.
	const still = useLineMode();
	const [frame, setFrame] = useState(0);
	useEffect(() => {
		if (still) return;
		const timer = setInterval(() => setFrame(previous => (previous + 1) % FRAMES.length), 100);
		return () => clearInterval(timer);
	}, [still]);
	return (
		<Text>
			<Text color={colors.accent}>{still ? '…' : FRAMES[frame]}</Text>
			{label ? ` ${label}` : ''}
		</Text>
	);
}

export interface ElapsedProps {
	/** Date.now() when the work started. */
	readonly since: number;
}

/** Milliseconds since a start, ticking while shown. */
export function Elapsed({since}: ElapsedProps) {
	const still = useLineMode();
	const [now, setNow] = useState(() => Date.now());
	useEffect(() => {
		if (still) return;
		const timer = setInterval(() => setNow(Date.now()), 100);
		return () => clearInterval(timer);
	}, [still]);
	// The time taken is printed when the step ends; a count that ticks would be a line each tick.
	if (still) return null;
	return <Text color={colors.muted}>{Math.max(0, now - since)} ms</Text>;
}
