/** What a drop source hands back: the tracked files' bytes by tree-relative path. */
export interface FetchedDrop {
  files: Map<string, Buffer>;
  /** A canonical description for drops.json, e.g. "dir:/abs/path", "git:URL#REF (commit abc123)". */
  source: string;
}
