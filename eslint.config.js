import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/**', 'examples/**', 'upstream/**', 'out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
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
