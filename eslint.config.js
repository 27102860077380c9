// npm run lint: the habits of ink and @inkjs/ui (typescript-eslint, the rules
// of hooks) and the house format (tabs, single quotes, semicolons), so the
// existing code passes as it is and new code keeps to it.
import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
	{ignores: ['dist/', 'build/', 'release/', 'node_modules/', 'test/fixtures/']},
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		files: ['**/*.{ts,tsx,js,mjs}'],
		plugins: {'@stylistic': stylistic, 'react-hooks': reactHooks},
		languageOptions: {
			globals: {process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setImmediate: 'readonly', performance: 'readonly'},
		},
		rules: {
			'react-hooks/rules-of-hooks': 'error',
			'react-hooks/exhaustive-deps': 'error',
			'@stylistic/indent': ['error', 'tab', {SwitchCase: 1}],
			'@stylistic/no-mixed-spaces-and-tabs': 'error',
			'@stylistic/quotes': ['error', 'single', {avoidEscape: true, allowTemplateLiterals: 'always'}],
			'@stylistic/jsx-quotes': ['error', 'prefer-double'],
			'@stylistic/semi': ['error', 'always'],
			'@stylistic/eol-last': 'error',
			'@stylistic/no-trailing-spaces': 'error',
		},
	},
	{
		// The wizard shows text from files, servers and programs: every string goes through
		// components/text.tsx, which escapes control characters (engine/shown-text.ts).
		files: ['source/ui/**/*.tsx'],
		ignores: ['source/ui/components/text.tsx'],
		rules: {'no-restricted-imports': ['error', {paths: [{name: 'ink', importNames: ['Text'], message: 'Use Text from components/text.tsx: it shows outside text through visibleControls.'}]}]},
	},
	{
		// A test reads JSON reports by their fields; typing each shape would add nothing.
		files: ['test/**'],
		rules: {'@typescript-eslint/no-explicit-any': 'off'},
	},
);
