import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/**', 'examples/**', 'upstream/**', 'out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `_name` marks a value left unused on purpose (e.g. a field removed by destructuring).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      // The core is pure: text and data in, data out. I/O lives in src/io.
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'path', 'child_process', 'os', 'process'], message: 'src/core is pure: no node I/O' },
          { group: ['simple-git', 'ink', 'react'], message: 'src/core is pure: no git or UI' },
        ],
      }],
      'no-restricted-globals': ['error', 'process'],
    },
  },
);
