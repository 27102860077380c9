/** One choice of a select list: a typed value, named by a key. */
export interface SelectItem<V> {
	/** Unique in the list: React's key, what defaultKey names, and searched by the filter. */
	readonly key: string;
	/** What onSubmit receives, of any type (an endpoint, an event). */
	readonly value: V;
	readonly label: string;
	/** A dimmed line of detail beside or under the label; also searched by the filter. */
	readonly hint?: string;
}

/** The select list's state as a pure reducer: highlight, filter and scrolling window. */
export interface SelectState {
	readonly filter: string;
	/** Index into the filtered items. */
	readonly highlight: number;
	/** First visible row of the filtered items. */
	readonly offset: number;
}

export type SelectAction =
	| {readonly type: 'up'}
	| {readonly type: 'down'}
	| {readonly type: 'page-up'}
	| {readonly type: 'page-down'}
	| {readonly type: 'home'}
	| {readonly type: 'end'}
	/** Highlight the item at this position of the filtered list (a number typed in line mode). */
	| {readonly type: 'pick'; readonly index: number}
	| {readonly type: 'type'; readonly text: string}
	| {readonly type: 'erase'}
	| {readonly type: 'clear-filter'};

/**
 * Items matching every typed word, best first: a name that starts with the
 * text, then a name that contains it, then a match in the hint only ("other"
 * finds "Other SMTP server" before Zoho's "other data centres").
 */
export function filterItems<V>(items: readonly SelectItem<V>[], filter: string): SelectItem<V>[] {
	const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
	if (words.length === 0) return [...items];
	const text = words.join(' ');
	const rank = (item: SelectItem<V>): number => {
		const label = item.label.toLowerCase();
		if (label.startsWith(text)) return 0;
		if (words.every(word => label.includes(word))) return 1;
		return 2;
	};

	return items
		.filter(item => {
			const haystack = `${item.label} ${item.hint ?? ''} ${item.key}`.toLowerCase();
			return words.every(word => haystack.includes(word));
		})
		.map((item, index) => ({item, index, rank: rank(item)}))
		.sort((a, b) => a.rank - b.rank || a.index - b.index)
		.map(({item}) => item);
}

export function initialSelectState<V>(items: readonly SelectItem<V>[], defaultKey: string | undefined, limit: number): SelectState {
	const index = Math.max(0, items.findIndex(item => item.key === defaultKey));
	return {filter: '', highlight: index, offset: windowOffset(index, 0, items.length, limit)};
}

/** Keep the highlight inside the visible window, moving the window as little as possible. */
function windowOffset(highlight: number, offset: number, count: number, limit: number): number {
	if (count <= limit) return 0;
	if (highlight < offset) return highlight;
	if (highlight >= offset + limit) return highlight - limit + 1;
	return Math.min(offset, count - limit);
}

export function selectReducer<V>(items: readonly SelectItem<V>[], limit: number) {
	return (state: SelectState, action: SelectAction): SelectState => {
		const count = filterItems(items, state.filter).length;
		const move = (highlight: number, filter = state.filter): SelectState => {
			const total = filter === state.filter ? count : filterItems(items, filter).length;
			const clamped = total === 0 ? 0 : Math.min(Math.max(highlight, 0), total - 1);
			return {filter, highlight: clamped, offset: windowOffset(clamped, filter === state.filter ? state.offset : 0, total, limit)};
		};

		// Widening the filter keeps the highlighted item where the admin left it.
		const keepHighlight = (filter: string): SelectState => {
			const current = filterItems(items, state.filter)[state.highlight];
			const index = current ? filterItems(items, filter).indexOf(current) : -1;
			return move(Math.max(index, 0), filter);
		};

		switch (action.type) {
			case 'up':
				// Wrapping keeps the last entry one key away from the first.
				return move(state.highlight === 0 ? count - 1 : state.highlight - 1);
			case 'down':
				return move(state.highlight >= count - 1 ? 0 : state.highlight + 1);
			case 'page-up':
				return move(state.highlight - limit);
			case 'page-down':
				return move(state.highlight + limit);
			case 'home':
				return move(0);
			case 'end':
				return move(count - 1);
			case 'pick':
				return action.index >= 0 && action.index < count ? move(action.index) : state;
			case 'type':
				return move(0, state.filter + action.text);
			case 'erase':
				return keepHighlight(state.filter.slice(0, -1));
			case 'clear-filter':
				return keepHighlight('');
			default: {
				const unhandled: never = action;
				return unhandled;
			}
		}
	};
}
