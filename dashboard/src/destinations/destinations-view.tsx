import { NotBuilt } from '../not-built.tsx';
import type { SiteViewProps } from '../view-props.ts';

export function DestinationsView(_props: SiteViewProps) {
  return <NotBuilt name="DestinationsView" />;
}
