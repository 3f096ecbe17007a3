/**
 * 精算 (issue 13 item 7): the actuary's workbench for the operator, the 医保局 and the regulator — the program's
 * claims replayed under candidate designs (actuarial-replay.tsx) and its IBNR reserve (actuarial-reserve.tsx).
 * Aggregates only: no person is shown.
 */
import { Space } from "antd";
import { ReplayCompare } from "./actuarial-replay.js";
import { Reserve } from "./actuarial-reserve.js";
import { PageTitle, useTr } from "./common.js";

export function Actuarial() {
  const tr = useTr();
  return (
    <>
      <PageTitle>{tr({ zh: "精算", en: "Actuarial" })}</PageTitle>
      <Space direction="vertical" size={16} style={{ width: "100%" }}>
        <ReplayCompare />
        <Reserve />
      </Space>
    </>
  );
}
