/**
 * Main diagnoses (ICD-10, written the way the 医保版 ICD-10 code table writes them, e.g. "J18.900") and their
 * relative frequencies. The weights are assumptions that put common conditions first; see docs/synthetic-data.md.
 */
import { cumulative } from "./rng.js";

export interface Diagnosis {
  readonly code: string;
  readonly weight: number;
}

function table(entries: readonly [string, number][]): { codes: readonly string[]; cdf: Float64Array } {
  return { codes: entries.map(([c]) => c), cdf: cumulative(entries.map(([, w]) => w)) };
}

/** Adult ordinary inpatient stays (med_type 21, 23, 24). */
export const ADULT_INPATIENT = table([
  ["J18.900", 12], // 肺炎
  ["I63.900", 10], // 脑梗死
  ["J44.100", 6], // 慢性阻塞性肺病伴急性加重
  ["I25.100", 6], // 动脉硬化性心脏病（冠心病）
  ["I10.x00", 5], // 原发性高血压
  ["E11.900", 4], // 2 型糖尿病
  ["K80.100", 4], // 胆囊结石伴胆囊炎
  ["K29.700", 4], // 胃炎
  ["K35.800", 3], // 急性阑尾炎
  ["N20.000", 3], // 肾结石
  ["I50.900", 3], // 心力衰竭
  ["M51.200", 3], // 腰椎间盘移位
  ["M17.900", 2], // 膝关节病
  ["K74.600", 1], // 肝硬化
  ["I61.900", 1], // 脑出血
  ["N18.500", 1], // 慢性肾脏病 5 期
  ["D25.900", 1], // 子宫平滑肌瘤
  ["H25.900", 2], // 老年性白内障
  ["B18.100", 1], // 慢性乙型病毒性肝炎
  ["J45.900", 1], // 哮喘
]);

/** Children (0–14). */
export const CHILD_INPATIENT = table([
  ["J18.900", 30], // 肺炎
  ["J20.900", 15], // 急性支气管炎
  ["A09.900", 10], // 胃肠炎
  ["J06.900", 8], // 急性上呼吸道感染
  ["K35.800", 3], // 急性阑尾炎
  ["J45.900", 2], // 哮喘
  ["P59.900", 3], // 新生儿黄疸
  ["B08.400", 3], // 手足口病
]);

/** Injury stays (med_type 22). */
export const INJURY = table([
  ["S72.000", 4], // 股骨颈骨折
  ["S82.200", 3], // 胫骨干骨折
  ["S06.000", 4], // 脑震荡
  ["S42.000", 2], // 锁骨骨折
  ["S52.500", 3], // 桡骨下端骨折
  ["S32.000", 2], // 腰椎骨折
  ["T14.000", 3], // 浅表损伤
]);

/** 门诊慢特病 (med_type 14). */
export const CHRONIC_OUTPATIENT = table([
  ["I10.x00", 30], // 高血压
  ["E11.900", 22], // 糖尿病
  ["N18.500", 6], // 尿毒症透析
  ["F20.900", 6], // 精神分裂症
  ["B18.100", 8], // 慢性乙肝
  ["J44.900", 8], // 慢阻肺
  ["I25.100", 10], // 冠心病
  ["G40.900", 3], // 癫痫
  ["D56.900", 1], // 地中海贫血 (云南、广西高发)
]);

/** Ordinary outpatient (med_type 11). */
export const OUTPATIENT = table([
  ["J06.900", 30], // 上呼吸道感染
  ["K29.700", 15], // 胃炎
  ["M54.500", 10], // 腰痛
  ["I10.x00", 15], // 高血压
  ["E11.900", 10], // 糖尿病
  ["L30.900", 5], // 皮炎
  ["H10.900", 5], // 结膜炎
]);

export interface Cancer {
  readonly code: string;
  readonly sex?: "F" | "M";
  readonly haematological: boolean;
  readonly weight: number;
}

/** Malignant tumours C00–C97, the 文山 pre-existing range (incl. leukaemia and lymphoma). */
export const CANCERS: readonly Cancer[] = [
  { code: "C34.900", haematological: false, weight: 20 }, // 肺
  { code: "C22.000", haematological: false, weight: 10 }, // 肝细胞癌
  { code: "C16.900", haematological: false, weight: 8 }, // 胃
  { code: "C18.900", haematological: false, weight: 7 }, // 结肠
  { code: "C20.x00", haematological: false, weight: 5 }, // 直肠
  { code: "C15.900", haematological: false, weight: 5 }, // 食管
  { code: "C50.900", sex: "F", haematological: false, weight: 8 }, // 乳腺
  { code: "C53.900", sex: "F", haematological: false, weight: 4 }, // 宫颈
  { code: "C61.x00", sex: "M", haematological: false, weight: 3 }, // 前列腺
  { code: "C73.x00", haematological: false, weight: 4 }, // 甲状腺
  { code: "C11.900", haematological: false, weight: 2 }, // 鼻咽
  { code: "C92.000", haematological: true, weight: 2 }, // 急性髓系白血病
  { code: "C91.100", haematological: true, weight: 1 }, // 慢性淋巴细胞白血病
  { code: "C83.300", haematological: true, weight: 3 }, // 弥漫大 B 细胞淋巴瘤
  { code: "C90.000", haematological: true, weight: 1.5 }, // 多发性骨髓瘤
];

const CANCERS_F = CANCERS.filter((c) => c.sex !== "M");
const CANCERS_M = CANCERS.filter((c) => c.sex !== "F");
export const CANCER_TABLE = {
  F: { list: CANCERS_F, cdf: cumulative(CANCERS_F.map((c) => c.weight)) },
  M: { list: CANCERS_M, cdf: cumulative(CANCERS_M.map((c) => c.weight)) },
};

/** Chance that a person has a malignant tumour diagnosed in the simulated window (onset spread over it). */
export function cancerRisk(age: number): number {
  if (age < 30) return 0.001;
  if (age < 45) return 0.004;
  if (age < 60) return 0.012;
  if (age < 75) return 0.025;
  return 0.035;
}

export const SURNAMES = [
  ..."王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢陆农韦熊龙侯黎",
];
export const GIVEN_CHARS = [
  ..."秀英兰华明国建文玉平志芳红军丽春林海云金凤霞梅荣兴福贵忠德光成永亮强勇杰涛敏静艳燕娟琼美琳桂家顺和安祥发",
];
