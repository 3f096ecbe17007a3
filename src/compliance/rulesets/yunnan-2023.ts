/**
 * 云医保〔2023〕152号 (seed 001): 云南省医疗保障局、国家金融监督管理总局云南监管局《关于支持和规范云南省
 * 城市定制型商业医疗保险发展的指导意见》. Clause numbers are the guidance's own (一)…(十五).
 */
import { yuan } from "../../domain/money.js";
import type { RuleSet } from "../types.js";

const ALL = { kind: "all" } as const;

export const YUNNAN_2023: RuleSet = {
  id: "yunnan-2023",
  name: {
    zh: "云医保〔2023〕152号 云南省惠民保指导意见",
    en: "Yunnan guidance on city-customized medical insurance (2023 No. 152)",
  },
  source: "seeds/001 云医保〔2023〕152号",
  rules: [
    {
      id: "coinsurance_service_commitment",
      clause: "三",
      kind: "service_commitment_min",
      minYears: 3,
      title: { zh: "共保服务承诺期限", en: "co-insurer service commitment" },
      description: {
        zh: "（三）“在承诺服务期限不少于3年的基础上，可自主联合采取共保方式”：未声明承诺期限视为不符合。",
        en: "(3) Co-insurance rests on a service commitment of at least 3 years; an undeclared commitment fails.",
      },
    },
    {
      id: "data_sharing_minimum_necessary",
      clause: "四",
      kind: "operations_choice",
      field: "dataSharing",
      accepted: ["minimum_necessary"],
      notApplicable: ["none"],
      title: { zh: "数据共享最小必须", en: "minimum-necessary data sharing" },
      description: {
        zh: "（四）“遵循‘最小必须’原则，共享相关医保数据”：须声明按最小必须共享；不共享数据时不适用；未声明视为不符合。",
        en: "(4) Data shared under the minimum-necessary principle; not applicable when nothing is shared.",
      },
    },
    {
      id: "identity_check",
      clause: "五",
      kind: "not_measurable",
      reason: {
        zh: "投保身份校验由平台参保名册实现，产品不声明",
        en: "enforced by the platform's roster check",
      },
      title: { zh: "投保身份校验", en: "identity check at enrolment" },
      description: {
        zh: "（五）“探索建立投保身份校验、个人账户缴费划拨、线上快速理赔等‘一站式’服务”之身份校验部分。",
        en: "(5) One-stop services: identity check at enrolment (a platform capability, not a product field).",
      },
    },
    {
      id: "one_stop_settlement",
      clause: "五",
      kind: "product_flag",
      flag: "oneStopSettlement",
      title: { zh: "一站式结算", en: "one-stop settlement" },
      description: {
        zh: "（五）“依托统一的医保信息平台……‘一站式’服务”：出院一站式结算。",
        en: "(5) One-stop settlement at discharge through the unified medical insurance platform.",
      },
    },
    {
      id: "personal_account_payment",
      clause: "五",
      kind: "product_flag",
      flag: "personalAccountPayment",
      title: { zh: "个人账户缴费划拨", en: "personal-account payment" },
      description: {
        zh: "（五）“个人账户缴费划拨”；另见（二）职工可用个人账户为本人及家庭成员购买。",
        en: "(5) Premium paid from the employee's personal account (see also clause 2).",
      },
    },
    {
      id: "online_claims",
      clause: "五",
      kind: "product_flag",
      flag: "onlineClaims",
      title: { zh: "线上快速理赔", en: "fast online claims" },
      description: {
        zh: "（五）“线上快速理赔”：条款为支持性表述，未提供时仍列为不符合以便整改。",
        en: "(5) Fast online claims; the clause encourages rather than mandates, reported as fail to prompt action.",
      },
    },
    {
      id: "no_enrollment_restrictions",
      clause: "八",
      kind: "no_enrollment_restrictions",
      title: { zh: "不限年龄健康既往症职业", en: "no enrolment restrictions" },
      description: {
        zh: "（八）“参加基本医疗保险的参保人不受年龄、健康状况、既往病史、职业类型等限制”：产品不得设投保限制。",
        en: "(8) Anyone on basic insurance may enrol regardless of age, health, medical history or occupation.",
      },
    },
    {
      id: "family_enrollment",
      clause: "八",
      kind: "product_flag",
      flag: "familyEnrollment",
      title: { zh: "可家庭投保", en: "family enrolment" },
      description: {
        zh: "（八）“可采取家庭、单位集体购买，提高覆盖面”：产品应允许家庭投保。",
        en: "(8) Families may buy together.",
      },
    },
    {
      id: "unit_enrollment",
      clause: "八",
      kind: "product_flag",
      flag: "unitEnrollment",
      title: { zh: "可单位集体投保", en: "unit enrolment" },
      description: {
        zh: "（八）“可采取家庭、单位集体购买”：产品应允许单位集体投保。",
        en: "(8) Employers and other units may buy collectively.",
      },
    },
    {
      id: "deductible_max",
      clause: "九",
      kind: "deductible_max",
      scope: ALL,
      maxFen: yuan(15_000),
      title: { zh: "起付线", en: "deductible" },
      description: {
        zh: "（九）“起付线不高于15000元”：逐项责任取其适用的免赔额（共用免赔额池按池额计），无免赔额计0。",
        en: "(9) Deductible at most 15,000 yuan; each liability is measured by the pool it draws on (none = 0).",
      },
    },
    {
      id: "ratio_min",
      clause: "九",
      kind: "ratio_min",
      scope: ALL,
      minBps: 3000,
      title: { zh: "报销比例", en: "reimbursement ratio" },
      description: {
        zh: "（九）“报销比例不低于30%”：每项责任的每个比例档（含既往症、异地、费用梯次）都须达标；目录内外可不同、可按梯次提高，但每档不得低于下限。",
        en: "(9) Ratio at least 30% for every variant of every liability (pre-existing, out-of-region, cost bands).",
      },
    },
    {
      id: "cap_min",
      clause: "九",
      kind: "plan_cap_min",
      minFen: yuan(2_000_000),
      title: { zh: "封顶线", en: "overall cap" },
      description: {
        zh: "（九）“封顶线不低于200万元”：按方案的年度累计限额衡量；单项责任限额低于200万不视为违规。",
        en: "(9) The plan's overall annual cap is at least 2,000,000 yuan; a single liability's sub-cap may be lower.",
      },
    },
    {
      id: "premium_max",
      clause: "十",
      kind: "premium_max",
      maxFenByTier: { basic: yuan(100), upgraded: yuan(200) },
      title: { zh: "保费水平", en: "premium level" },
      description: {
        zh: "（十）“基础保障平均保费水平不超过100元，升级保障平均保费水平不超过200元”：逐个检查基准保费及各人群/年龄保费。",
        en: "(10) Average premium at most 100 yuan (basic) / 200 yuan (upgraded); the base and every variant are checked.",
      },
    },
    {
      id: "term_aligned",
      clause: "十",
      kind: "term_aligned",
      startMonth: 1,
      startDay: 1,
      months: 12,
      title: { zh: "保期与居民医保一致", en: "term matches resident insurance year" },
      description: {
        zh: "（十）“原则上惠民保保期应与城乡居民基本医疗保险一致”：居民医保按自然年度（1月1日至12月31日）。",
        en: "(10) The policy term should match the resident basic-insurance year, 1 January to 31 December.",
      },
    },
    {
      id: "loss_ratio_min",
      clause: "十一",
      kind: "loss_ratio_min",
      minBps: 7000,
      title: { zh: "满期赔付率", en: "earned loss ratio" },
      description: {
        zh: "（十一）“年度保费满期赔付率原则上不低于70%”：需传入年度满期保费与已发生赔款，否则不适用。",
        en: "(11) Earned loss ratio at least 70% a year; needs the year's earned premium and incurred claims.",
      },
    },
    {
      id: "insurer_service_commitment",
      clause: "十二",
      kind: "service_commitment_min",
      minYears: 3,
      title: { zh: "承保商服务承诺期限", en: "insurer service commitment" },
      description: {
        zh: "（十二）“在承诺服务期限不少于3年的基础上，自愿参加比选”：未声明承诺期限视为不符合。",
        en: "(12) Insurers enter selection with a service commitment of at least 3 years; undeclared fails.",
      },
    },
    {
      id: "disclosure",
      clause: "十四",
      kind: "operations_choice",
      field: "disclosure",
      accepted: ["monthly", "quarterly", "yearly"],
      title: { zh: "定期信息披露", en: "regular disclosure" },
      description: {
        zh: "（十四）“督促承保商业机构定期向社会及参保人披露投保、赔付等情况”：须声明披露频率；未声明视为不符合。",
        en: "(14) Enrolment and payouts disclosed regularly; an undeclared schedule fails.",
      },
    },
  ],
};
