/**
 * 精算 (issue 13 item 7): the actuary's workbench for the operator, the 医保局 and the regulator — the program's
 * claims replayed under candidate designs (actuarial-replay.tsx) and its IBNR reserve (actuarial-reserve.tsx).
 * Aggregates only: no person is shown.
 */
import { Space } from "antd";
import { AntiSelection } from "./actuarial-anti-selection.js";
import { Pricing } from "./actuarial-pricing.js";
import { ReplayCompare } from "./actuarial-replay.js";
import { Reserve } from "./actuarial-reserve.js";
import { Retrospective } from "./actuarial-retrospective.js";
import { PageTitle, useTr } from "./common.js";

/** The workbench's sections, in the order of the actuary's year (docs/actuarial-workbench.md). */
const SECTIONS = [
  { id: "replay", zh: "方案回放对比", en: "Design replay", element: <ReplayCompare /> },
  { id: "reserve", zh: "准备金", en: "Reserve", element: <Reserve /> },
  { id: "pricing", zh: "费率表", en: "Rate table", element: <Pricing /> },
  { id: "retrospective", zh: "精算回溯", en: "Retrospective", element: <Retrospective /> },
  { id: "anti-selection", zh: "逆选择监测", en: "Anti-selection", element: <AntiSelection /> },
] as const;

export function Actuarial() {
  const tr = useTr();
  return (
    <>
      <PageTitle>{tr({ zh: "精算", en: "Actuarial" })}</PageTitle>
      <nav aria-label={tr({ zh: "精算目录", en: "Sections" })} style={{ marginBottom: 12 }}>
        <Space wrap>
          {SECTIONS.map((s) => (
            <a key={s.id} href={`#actuarial-${s.id}`}>
              {tr(s)}
            </a>
          ))}
        </Space>
      </nav>
      <Space orientation="vertical" size={16} style={{ width: "100%" }}>
        {SECTIONS.map((s) => (
          <section key={s.id} id={`actuarial-${s.id}`}>
            {s.element}
          </section>
        ))}
      </Space>
    </>
  );
}
