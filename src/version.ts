// The version of pvpatch (also in package.json), apart from the command-line parser so that what
// needs only the version does not load commander.
export const VERSION = '0.1.0';
