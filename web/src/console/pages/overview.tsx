/** The start page: the oversight figures everyone may see, and for operators the review queue's length. */
import { Alert, Col, Row, Space, Typography } from "antd";
import { Link } from "react-router";
import { yuan } from "../../shared/format.js";
import type { OversightSummary } from "../../shared/types.js";
import { Figure, Loading, PageTitle, role, useLoad, useTr } from "./common.js";

const SUMMARY_ROLES = ["admin", "operator", "co_insurer", "bureau", "regulator"];

export function Overview() {
  const tr = useTr();
  const r = role();
  const s = useLoad<OversightSummary>(SUMMARY_ROLES.includes(r) ? "/oversight/summary" : null);
  const staff = r === "operator" || r === "admin";
  const queue = useLoad<{ cases: unknown[] }>(staff ? "/counter-claims?status=submitted&limit=200" : null);
  return (
    <>
      <PageTitle>{tr({ zh: "概览", en: "Overview" })}</PageTitle>
      <Space orientation="vertical" size={16} style={{ width: "100%" }}>
        {staff && queue.data !== undefined ? (
          <Alert
            type={queue.data.cases.length > 0 ? "info" : "success"}
            showIcon
            title={
              queue.data.cases.length > 0 ? (
                <span>
                  {tr({
                    zh: `有 ${queue.data.cases.length} 件柜面理赔待分配审核。`,
                    en: `${queue.data.cases.length} counter claims await review.`,
                  })}{" "}
                  <Link to="/claims">{tr({ zh: "去审核", en: "Review" })}</Link>
                </span>
              ) : (
                tr({ zh: "没有待分配的柜面理赔。", en: "No counter claims waiting." })
              )
            }
          />
        ) : null}
        {SUMMARY_ROLES.includes(r) ? (
          <Loading state={s}>
            {(d) => (
              <>
                <Typography.Paragraph>
                  {tr({
                    zh: `${d.program_name}，截至 ${d.as_of}`,
                    en: `${d.program_name}, as of ${d.as_of}`,
                  })}
                </Typography.Paragraph>
                <Row gutter={[12, 12]}>
                  <Col xs={12} lg={6}>
                    <Figure
                      title={tr({ zh: "参保人数", en: "Insured" })}
                      value={`${d.enrollment.insured_persons}`}
                    />
                  </Col>
                  <Col xs={12} lg={6}>
                    <Figure
                      title={tr({ zh: "参保率", en: "Enrollment rate" })}
                      value={d.enrollment.enrollment_rate ?? "—"}
                    />
                  </Col>
                  <Col xs={12} lg={6}>
                    <Figure
                      title={tr({ zh: "签单保费（元）", en: "Written premium" })}
                      value={yuan(d.premium.written)}
                    />
                  </Col>
                  <Col xs={12} lg={6}>
                    <Figure
                      title={tr({ zh: "满期赔付率", en: "Earned loss ratio" })}
                      value={d.loss_ratio.earned ?? "—"}
                    />
                  </Col>
                </Row>
              </>
            )}
          </Loading>
        ) : (
          <Typography.Paragraph>
            {tr({
              zh: "请从左侧菜单查看资金池、资助投保和资助对象的理赔。",
              en: "Use the menu for pools, sponsored enrollments and their claims.",
            })}
          </Typography.Paragraph>
        )}
      </Space>
    </>
  );
}
