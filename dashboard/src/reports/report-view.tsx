import { NotBuilt } from '../not-built.tsx';
import type { SiteViewProps } from '../view-props.ts';
type ReportProps = SiteViewProps;

export function ReportView(_props: ReportProps) {
  return <NotBuilt name="ReportView" />;
}
