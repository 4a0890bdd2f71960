/**
 * The dashboard pages that mails link to. The one-time token rides in the fragment (`#token=…`):
 * browsers never send a fragment, so opening the link puts the token in no server's or proxy's log.
 * The token is base64url, which a fragment carries as it is.
 */
export type TokenPage = 'invite' | 'reset-password';

export function tokenLink(publicUrl: string, page: TokenPage, token: string): string {
  return `${publicUrl}/${page}#token=${token}`;
}
