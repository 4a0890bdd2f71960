import { NotBuilt } from '../not-built.tsx';
import type { SiteViewProps } from '../view-props.ts';

export function RealtimeView(_props: SiteViewProps) {
  return <NotBuilt name="RealtimeView" />;
}
