import { NotBuilt } from '../not-built.tsx';
import type { Api } from '../api.ts';
type PublicProps = { api: Api; onSignedIn: () => void };

export function ResetPasswordView(_props: PublicProps) {
  return <NotBuilt name="ResetPasswordView" />;
}
