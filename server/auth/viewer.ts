/** Who is calling, as proven by a verified token. */
export interface Viewer {
  userId: string;
  name: string | null;
  /** A backend service (`role: "service"` claim): may publish to and manage any organization. */
  isService: boolean;
  /** Token expiry, seconds since the epoch, when the token has one. */
  expiresAt?: number;
  /**
   * Set when the caller is an organization's API key (auth/api-keys.ts): it publishes in that organization,
   * as a service would there, and does nothing else. `userId` is then the key's id and `name` its name.
   */
  apiKey?: { id: string; orgId: string };
}
