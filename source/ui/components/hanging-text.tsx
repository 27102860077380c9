import {useStdout} from 'ink';
import {Text} from './text.js';
import {hanging, hangOf} from '../text-fit.js';
import {visibleControls} from '../../engine/shown-text.js';

export interface HangingTextProps {
	/** The whole line, marker included ("✖ …", "  • …"). */
	readonly children: string;
	/** Columns to the left of this text (margins of the boxes around it). */
	readonly indent?: number;
	/** How far continuation lines are indented; default: past the line's marker. */
	readonly hang?: number;
	readonly color?: string;
	readonly bold?: boolean;
}

/** A line that wraps with a hanging indent and no line starting with a space. */
export function HangingText({children, indent = 0, hang, color, bold}: HangingTextProps) {
	const {stdout} = useStdout();
	const width = Math.max(1, (stdout.columns || 80) - indent);
	// Escaped before it is measured, so it wraps as it is shown.
	const text = visibleControls(children);
	return (
		<Text color={color} bold={bold}>
			{hanging(text, width, hang ?? hangOf(text)).join('\n')}
		</Text>
	);
}
