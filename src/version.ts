// The version of pvpatch (also in package.json), apart from the command-line parser so that what
// needs only the version does not load commander.
export const VERSION = '0.1.0';

/** The format of apply's per-file results (.pvpatch/cache/apply): bumped whenever what apply produces for the same inputs changes. */
export const APPLY_CACHE_FORMAT = 1;
