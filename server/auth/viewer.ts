/** Who is calling, as proven by a verified token. */
export interface Viewer {
  userId: string;
  name: string | null;
  /** A backend service (`role: "service"` claim): may publish to and manage any organization. */
  isService: boolean;
  /** Token expiry, seconds since the epoch, when the token has one. */
  expiresAt?: number;
}
