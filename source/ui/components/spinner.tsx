import {Text} from 'ink';
import {useEffect, useState} from 'react';
import {colors} from '../theme.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface SpinnerProps {
	/** Text after the spinner. */
	readonly label?: string;
}

/** A spinner; its own timer keeps the rest of the tree from re-rendering. */
export function Spinner({label}: SpinnerProps) {
	const [frame, setFrame] = useState(0);
	useEffect(() => {
		const timer = setInterval(() => setFrame(previous => (previous + 1) % FRAMES.length), 100);
		return () => clearInterval(timer);
	}, []);
	return (
		<Text>
			<Text color={colors.accent}>{FRAMES[frame]}</Text>
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
	const [now, setNow] = useState(() => Date.now());
	useEffect(() => {
		const timer = setInterval(() => setNow(Date.now()), 100);
		return () => clearInterval(timer);
	}, []);
	return <Text color={colors.muted}>{Math.max(0, now - since)} ms</Text>;
}
