import neostandard from 'neostandard'

export default [
  ...neostandard({
    ts: true,
    ignores: ['dist/**', 'data/**', '.tap/**', 'coverage/**', 'node_modules/**']
  }),
  {
    rules: {
      // TypeBox idiom: a schema const and its Static type share one name.
      '@typescript-eslint/no-redeclare': 'off'
    }
  }
]
