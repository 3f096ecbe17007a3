/**
 * 产品管理 › 合规检查: the version read in the sheet above, checked against every rule set at once. Each rule set
 * reports its own findings (issue 12 §8): where 云医保〔2023〕152号 clause 十一 sets a 70 % loss-ratio floor and
 * 金办便函〔2025〕745号 forbids a pre-set ratio, the page shows both verdicts rather than choosing one.
 */
import { Card, Space } from "antd";
import type { ProductComplianceView } from "../../shared/types.js";
import { Loading, useLoad, useTr } from "./common.js";
import { ComplianceFindings, RULE_SET_OPTIONS } from "./compliance-findings.js";

export function VersionCompliance({ path }: { path: string }) {
  const tr = useTr();
  return (
    <Card
      title={
        <h3 style={{ margin: 0, fontSize: 16 }}>
          {tr({ zh: "合规检查（各规则集）", en: "Compliance by rule set" })}
        </h3>
      }
    >
      <Space orientation="vertical" size={16} style={{ width: "100%" }}>
        {RULE_SET_OPTIONS.map((r) => (
          <RuleSetFindings key={r.value} path={path} rules={r.value} label={r.label} />
        ))}
      </Space>
    </Card>
  );
}

function RuleSetFindings({ path, rules, label }: { path: string; rules: string; label: string }) {
  const tr = useTr();
  const view = useLoad<ProductComplianceView>(`${path}/compliance?rules=${rules}`);
  return (
    <section aria-label={`${tr({ zh: "合规检查", en: "Compliance" })} ${label}`}>
      <h4 style={{ margin: "0 0 8px" }}>{label}</h4>
      <Loading state={view}>
        {(v) => (
          <ComplianceFindings view={v} label={`${tr({ zh: "合规检查结果", en: "Findings" })} ${label}`} />
        )}
      </Loading>
    </section>
  );
}
