import { responseTooLarge } from '../errors.js';

/**
 * How many bytes of stored data (event payloads, notification data) one operation may return: one fresh
 * budget per operation, in its Context. graphql-js resolves sibling fields (aliases) concurrently, so a
 * check after reading would come too late: fifteen aliases would each have read their page first. Fields
 * therefore reserve what they are about to read (stores read sizes first, then the data) and read only what
 * was granted: an operation never holds much more than the budget, however many aliases it has.
 */
export class ResponseBudget {
  private used = 0;

  constructor(readonly limitBytes: number) {}

  /** Takes `bytes` for `what` (e.g. "these 500 events"), or throws BAD_USER_INPUT and takes nothing. */
  reserve(bytes: number, what: string): void {
    if (this.used + bytes > this.limitBytes) {
      throw responseTooLarge({ what, bytes, limitBytes: this.limitBytes, leftBytes: this.limitBytes - this.used });
    }
    this.used += bytes;
  }
}
