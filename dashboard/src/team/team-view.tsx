import { NotBuilt } from '../not-built.tsx';
import type { PageProps } from '../view-props.ts';

export function TeamView(_props: PageProps) {
  return <NotBuilt name="TeamView" />;
}
