/** 慈善资助投保: a charity pool pays for a cohort (those not yet insured) or for listed persons, all or nothing. */
import { Alert, Button, Card, Input, Select, Space } from "antd";
import { useState } from "react";
import { COHORTS } from "../../../../src/domain/cohort.js";
import { yuan } from "../../shared/format.js";
import type { PoolList } from "../../shared/types.js";
import { useLoad, useTr } from "./common.js";
import { EnrollmentOutcome, Field, useSubmit } from "./enrollment-forms.js";

export function CharityForm({ onEnrolled }: { onEnrolled: () => void }) {
  const tr = useTr();
  const pools = useLoad<PoolList>("/charity-pools");
  const [pool, setPool] = useState<string | undefined>();
  const [cohort, setCohort] = useState<string | undefined>();
  const [list, setList] = useState("");
  const s = useSubmit(onEnrolled);
  const psnNos = list.split(/[\s,，、]+/).filter((x) => x !== "");
  const chosen = pools.data?.pools.find((p) => p.pool_id === pool);
  return (
    <Card>
      <Space wrap align="end">
        <Field id="ch-pool" label={tr({ zh: "慈善资金池", en: "Charity pool" })}>
          <Select
            id="ch-pool"
            style={{ width: 260 }}
            value={pool}
            onChange={setPool}
            placeholder={tr({ zh: "请选择资金池", en: "Choose a pool" })}
            options={(pools.data?.pools ?? []).map((p) => ({
              value: p.pool_id,
              label: `${p.name}（${tr({ zh: "余额", en: "balance" })} ${yuan(p.balance)}）`,
            }))}
          />
        </Field>
        <Field id="ch-cohort" label={tr({ zh: "资助人群", en: "Cohort" })}>
          <Select
            id="ch-cohort"
            allowClear
            style={{ width: 260 }}
            value={cohort}
            onChange={setCohort}
            placeholder={tr({ zh: "按人群资助（或在右侧列出人员）", en: "By cohort (or list persons)" })}
            options={Object.entries(COHORTS).map(([k, v]) => ({ value: k, label: v }))}
          />
        </Field>
        <Field
          id="ch-list"
          label={tr({ zh: "指定人员（个人编号，逗号或换行分隔）", en: "Persons (numbers)" })}
        >
          <Input.TextArea
            id="ch-list"
            rows={2}
            style={{ width: 280 }}
            value={list}
            onChange={(e) => setList(e.target.value)}
          />
        </Field>
        <Button
          type="primary"
          loading={s.busy}
          disabled={pool === undefined}
          onClick={() =>
            void s.submit({
              kind: "charity",
              channel: `charity:${pool}`,
              ...(cohort === undefined ? {} : { cohort }),
              ...(psnNos.length === 0 ? {} : { psn_nos: psnNos }),
            })
          }
        >
          {tr({ zh: "资助投保", en: "Sponsor" })}
        </Button>
      </Space>
      {chosen === undefined ? null : (
        <p style={{ marginTop: 8 }}>
          {tr({
            zh: `资金池余额 ${yuan(chosen.balance)} 元；保费从资金池一次扣付，余额不足时整笔不投保。`,
            en: `Pool balance ${yuan(chosen.balance)}; premiums are paid from it at once, all or nothing.`,
          })}
        </p>
      )}
      {s.error === undefined ? null : (
        <Alert style={{ marginTop: 12 }} type="error" role="alert" showIcon title={s.error} />
      )}
      {s.result === undefined ? null : <EnrollmentOutcome result={s.result} />}
    </Card>
  );
}
