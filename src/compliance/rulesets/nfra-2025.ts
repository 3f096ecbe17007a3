/**
 * 金融监管总局办公厅《关于推动城市商业医疗险高质量发展的通知》(金办便函〔2025〕745号, 2025-07-31) and the 2024
 * draft (征求意见稿) it followed. The notice's own clause numbering was not available in the sources found, so a
 * finding's `clause` names the topic of the requirement. Sources (public reports of the notice's text):
 *  - 北京商报 2025-07-31, https://reportify.cn/news/1148380735837704192 : "在产品名称中注明‘定制’字样，在相关条款或
 *    费率中列明适用地区。要定期开展城市商业医疗险损益核算和精算回溯…合理调整保险责任和保险费率";
 *  - 新华社 2025-07-31, https://caijing.chinadaily.com.cn/a/202508/01/WS688c1c6fa310a07bb590b4f1.html and
 *    http://www.chinapfjy.com.cn/news.asp?channel_id=12&id=24864 : "遵循风险对价原则，实现差异化定价，原则上应当
 *    基于不同群体的年龄、性别、健康状况等因素进行相应的责任分级或费率分组"; "坚持保险公司自主经营，人民群众自愿投保";
 *  - DESIGN.md §10 (the platform's summary of the notice and the 2024 draft): no pre-set payout ratio and no fund
 *    pool; payout terms of signed contracts unchanged within the year; pre-existing persons not refused,
 *    different deductibles and ratios allowed. The primary text of these passages was not in the corpus.
 * Where this conflicts with a province's guidance (云医保〔2023〕152号 clause 十一: earned loss ratio ≥ 70 %),
 * each rule set reports its own finding: yunnan-2023 measures the floor on operating figures, nfra-2025 records
 * that the product itself pre-sets no ratio.
 */
import type { RuleSet } from "../types.js";

export const NFRA_2025: RuleSet = {
  id: "nfra-2025",
  name: {
    zh: "金办便函〔2025〕745号 关于推动城市商业医疗险高质量发展的通知",
    en: "NFRA notice on the high-quality development of city commercial medical insurance (2025 No. 745)",
  },
  source:
    "金办便函〔2025〕745号（2025-07-31）及2024年征求意见稿；据北京商报、新华社报道及 DESIGN.md §10 摘要",
  rules: [
    {
      id: "name_contains_dingzhi",
      clause: "产品名称",
      kind: "name_contains",
      words: ["定制"],
      title: { zh: "名称注明“定制”", en: "name says 定制" },
      description: {
        zh: "“在产品名称中注明‘定制’字样”（北京商报 2025-07-31 报道《通知》原文）：产品名称须含“定制”。",
        en: "The product name must contain 定制 (customized).",
      },
    },
    {
      id: "region_listed",
      clause: "适用地区",
      kind: "region_declared",
      title: { zh: "列明适用地区", en: "region listed" },
      description: {
        zh: "“在相关条款或费率中列明适用地区”（同上）：产品须声明适用地区（行政区划代码与名称）。",
        en: "The clauses or rates list the region the product applies to.",
      },
    },
    {
      id: "risk_differentiation",
      clause: "精准定价",
      kind: "risk_differentiation",
      factors: ["age", "sex", "health"],
      title: { zh: "按年龄性别健康状况分级分组", en: "tiered or grouped by age, sex, health" },
      description: {
        zh: "“遵循风险对价原则，实现差异化定价，原则上应当基于不同群体的年龄、性别、健康状况等因素进行相应的责任分级或费率分组”（新华社 2025-07-31）：保费档位或赔付比例、免赔额、限额档位至少按其中一项区分；条款为“原则上应当”，未区分仍列为不符合以便整改。",
        en: "Premiums grouped or benefits tiered by age, sex or health status; none is reported as a failure to act on.",
      },
    },
    {
      id: "no_preset_loss_ratio",
      clause: "赔付率",
      kind: "feature_absent",
      feature: "preset_loss_ratio",
      title: { zh: "不预设赔付率", en: "no pre-set loss ratio" },
      description: {
        zh: "不得预设赔付率（DESIGN.md §10 摘要）。与云医保〔2023〕152号（十一）“满期赔付率原则上不低于70%”冲突时，各规则集各自报告：本规则集只看产品本身是否约定赔付率。",
        en: "No pre-set payout ratio in the product; Yunnan's 70% floor is reported by yunnan-2023 on its own.",
      },
    },
    {
      id: "no_fund_pool",
      clause: "资金池",
      kind: "feature_absent",
      feature: "fund_pool",
      title: { zh: "不设资金池", en: "no fund pool" },
      description: {
        zh: "不得设置资金池（DESIGN.md §10 摘要）：保费不得沉淀为结余返还或滚存的资金池。",
        en: "No fund pool: premiums are not pooled for refunds or roll-over.",
      },
    },
    {
      id: "pre_existing_not_refused",
      clause: "既往症",
      kind: "pre_existing_not_refused",
      title: { zh: "既往症人群不拒保", en: "pre-existing not refused" },
      description: {
        zh: "既往症人群不得拒保，可设置不同的免赔额和赔付比例（DESIGN.md §10 摘要）：产品不得以健康状况或既往症限制投保；责任层面的差异列于说明。",
        en: "Persons with pre-existing conditions may enrol; different deductibles and ratios are allowed.",
      },
    },
    {
      id: "terms_frozen_in_year",
      clause: "条款稳定",
      kind: "not_measurable",
      reason: {
        zh: "由平台保证：计划开放投保后其产品版本不可再变更（hmb program 固定版本），年度内已签合同的赔付条件不变",
        en: "enforced by the platform: a program's product version is frozen once its enrollment opens",
      },
      title: { zh: "年度内赔付条件不变", en: "payout terms frozen in-year" },
      description: {
        zh: "已签订合同的赔付条件在保单年度内不得变更（DESIGN.md §10 摘要）：由平台在计划开放投保后锁定产品版本实现，产品文件不声明。",
        en: "Payout terms of signed contracts do not change within the year; the platform freezes the version.",
      },
    },
    {
      id: "actuarial_review",
      clause: "精算回溯",
      kind: "not_measurable",
      reason: {
        zh: "需按保单年度的经营数据开展损益核算和精算回溯（hmb replay），产品版本本身不能显示",
        en: "needs a policy year's operating data (hmb replay)",
      },
      title: { zh: "损益核算与精算回溯", en: "profit-and-loss and actuarial review" },
      description: {
        zh: "“要定期开展城市商业医疗险损益核算和精算回溯，根据保单年度实际赔付情况与保障方案预计赔付的偏差，合理调整保险责任和保险费率”（北京商报 2025-07-31）。",
        en: "Regular P&L and actuarial review by policy year, adjusting benefits and rates.",
      },
    },
  ],
};
