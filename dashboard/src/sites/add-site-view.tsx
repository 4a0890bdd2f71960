import { NotBuilt } from '../not-built.tsx';
import type { PageProps } from '../view-props.ts';

export function AddSiteView(_props: PageProps) {
  return <NotBuilt name="AddSiteView" />;
}
