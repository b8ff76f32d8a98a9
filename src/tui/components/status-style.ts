import type { ReviewStatus } from '../../core/review/model.js';

/** One colour per status, shared by the list, the detail header and the footer. */
export const STATUS_COLOR: Record<ReviewStatus, string> = {
  open: 'yellow',
  resolved: 'green',
  reviewed: 'cyan',
  dropped: 'gray',
};
