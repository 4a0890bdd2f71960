import { NotBuilt } from '../not-built.tsx';
import type { SiteViewProps } from '../view-props.ts';

export function SettingsView(_props: SiteViewProps) {
  return <NotBuilt name="SettingsView" />;
}
