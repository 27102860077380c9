import {createContext, useContext} from 'react';

/**
 * The wizard prints appended lines instead of redrawing (terminal-capabilities.ts):
 * nothing may animate, and lists are numbered so a choice can be typed. Off
 * unless the renderer turns it on, so component tests do not depend on TERM.
 */
export const LineModeContext = createContext(false);

export function useLineMode(): boolean {
	return useContext(LineModeContext);
}
