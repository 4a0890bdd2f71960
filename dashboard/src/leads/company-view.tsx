import { NotBuilt } from '../not-built.tsx';
import type { SiteViewProps } from '../view-props.ts';
type CompanyProps = SiteViewProps & { companyId: string };

export function CompanyView(_props: CompanyProps) {
  return <NotBuilt name="CompanyView" />;
}
