/** Kept equal to package.json's version (a test checks); built code cannot rely on finding package.json. */
export const VERSION = '0.1.0'
