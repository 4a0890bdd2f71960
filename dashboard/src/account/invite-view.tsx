import { NotBuilt } from '../not-built.tsx';
import type { Api } from '../api.ts';
type PublicProps = { api: Api; onSignedIn: () => void };

export function InviteView(_props: PublicProps) {
  return <NotBuilt name="InviteView" />;
}
