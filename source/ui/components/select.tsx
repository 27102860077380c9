import {Box, useInput} from 'ink';
import {Text} from './text.js';
import {useMemo, useReducer, useRef} from 'react';
import {useInputReady} from '../input-ready.js';
import {useLineMode} from '../line-mode-context.js';
import {colors, symbols} from '../theme.js';
import {filterItems, initialSelectState, selectReducer, type SelectAction, type SelectItem, type SelectState} from './select-state.js';

export type {SelectItem} from './select-state.js';

export interface SelectProps<V> {
	/** The choices, in order. */
	readonly items: readonly SelectItem<V>[];
	/** The key of the item highlighted at first; remount with a new React key to reset. */
	readonly defaultKey?: string;
	/** Typing filters the list (the provider list); otherwise letters are ignored. */
	readonly filterable?: boolean;
	/** Rows shown at once; the list scrolls past that, so it fits 80×24. */
	readonly limit?: number;
	/** Whether keys reach this list. */
	readonly isActive?: boolean;
	/** Enter on an item. */
	readonly onSubmit: (value: V) => void;
	/** Esc with no filter typed. */
	readonly onCancel?: () => void;
	/** The highlight moved, for live hints under the list. */
	readonly onHighlight?: (value: V) => void;
}

/** A list to choose from with arrows and Enter; uncontrolled. */
export function Select<V>({items, defaultKey, filterable = false, limit = 8, isActive = true, onSubmit, onCancel, onHighlight}: SelectProps<V>) {
	// Where the highlight cannot be redrawn, choices are numbered and a typed number picks one.
	const numbered = useLineMode();
	const digits = useRef('');
	const reducer = useMemo(() => selectReducer(items, limit), [items, limit]);
	const [state, dispatch] = useReducer(reducer, undefined, () => initialSelectState(items, defaultKey, limit));
	// Keys can arrive in one burst (a pty, a fast typist): act on the latest state, not the rendered one.
	const latest = useRef<SelectState>(state);
	const apply = (action: SelectAction) => {
		const previous = latest.current;
		const next = reducer(previous, action);
		latest.current = next;
		dispatch(action);
		const before = filterItems(items, previous.filter)[previous.highlight];
		const after = filterItems(items, next.filter)[next.highlight];
		if (after && after !== before) onHighlight?.(after.value);
	};

	useInput(
		(input, key) => {
			if (numbered && /^\d$/.test(input)) {
				const count = filterItems(items, latest.current.filter).length;
				// "1" then "2" is 12 when there are 12; otherwise the last digit alone.
				digits.current = Number(digits.current + input) <= count ? digits.current + input : input;
				apply({type: 'pick', index: Number(digits.current) - 1});
				return;
			}

			digits.current = '';
			if (key.escape) {
				if (filterable && latest.current.filter !== '') apply({type: 'clear-filter'});
				else onCancel?.();
				return;
			}

			if (key.return) {
				const chosen = filterItems(items, latest.current.filter)[latest.current.highlight];
				if (chosen) onSubmit(chosen.value);
				return;
			}

			if (key.upArrow || (key.ctrl && input === 'p')) apply({type: 'up'});
			else if (key.downArrow || (key.ctrl && input === 'n') || key.tab) apply({type: 'down'});
			else if (key.pageUp) apply({type: 'page-up'});
			else if (key.pageDown) apply({type: 'page-down'});
			else if (key.home) apply({type: 'home'});
			else if (key.end) apply({type: 'end'});
			else if (filterable && (key.backspace || key.delete)) apply({type: 'erase'});
			else if (filterable && key.ctrl && input === 'u') apply({type: 'clear-filter'});
			else if (filterable && input && !key.ctrl && !key.meta) apply({type: 'type', text: input.replace(/[\r\n]/g, '')});
		},
		{isActive},
	);
	useInputReady();

	const visible = filterItems(items, state.filter);
	const rows = visible.slice(state.offset, state.offset + limit);
	const above = state.offset;
	const below = Math.max(0, visible.length - state.offset - limit);
	return (
		<Box flexDirection="column">
			{filterable ? (
				<Text>
					<Text color={colors.muted}>Filter: </Text>
					{state.filter === '' ? <Text color={colors.muted}>type to search</Text> : <Text>{state.filter}</Text>}
				</Text>
			) : null}
			{above > 0 ? <Text color={colors.muted}>  ↑ {above} more</Text> : null}
			{rows.map((item, index) => {
				const highlighted = index + state.offset === state.highlight;
				return (
					<Text key={item.key} wrap="truncate-end">
						<Text color={highlighted ? colors.accent : undefined}>
							{highlighted ? `${symbols.pointer} ` : '  '}
							{numbered ? `${state.offset + index + 1}. ` : ''}
							{item.label}
						</Text>
						{item.hint ? <Text color={colors.muted}>  {item.hint}</Text> : null}
					</Text>
				);
			})}
			{visible.length === 0 ? <Text color={colors.muted}>  nothing matches "{state.filter}" (Esc clears)</Text> : null}
			{below > 0 ? <Text color={colors.muted}>  ↓ {below} more</Text> : null}
		</Box>
	);
}
