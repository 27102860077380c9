import {Text as InkText} from 'ink';
import {Children, cloneElement, Fragment, isValidElement, type ComponentProps, type ReactElement, type ReactNode} from 'react';
import {visibleControls} from '../../engine/shown-text.js';

/**
 * Ink's Text, every string in it shown through visibleControls: the wizard
 * shows values read from files another user may write (settings.py, Compose
 * and Helm values, a lock file) and text from servers and programs, and an
 * escape sequence in any of them must not reach the terminal. Every step
 * uses this one, never Ink's own.
 */
export function Text({children, ...props}: ComponentProps<typeof InkText>) {
	return <InkText {...props}>{visible(children)}</InkText>;
}

function visible(children: ReactNode): ReactNode {
	return Children.map(children, child => {
		if (typeof child === 'string') return visibleControls(child);
		// A fragment's strings are this Text's strings too.
		if (isValidElement(child) && child.type === Fragment) {
			const fragment = child as ReactElement<{children?: ReactNode}>;
			return cloneElement(fragment, undefined, visible(fragment.props.children));
		}

		return child;
	});
}
