/**
 * The care behind a synthetic settlement: where a person is treated (township clinic, county or prefecture
 * hospital, Kunming, another province, designated special-drug outlets), for what (diagnosis, med_type),
 * how long and at what cost, split into 全自费 / 超限价 / 先行自付 / 符合政策范围; the fund model then
 * decides who pays. Parameters and their status are in docs/synthetic-data.md.
 */
import type { Catalog, Product } from "../domain/product.js";
import { ADULT_INPATIENT, CHILD_INPATIENT, CHRONIC_OUTPATIENT, INJURY, OUTPATIENT } from "./clinical.js";
import { encode } from "./format.js";
import { type FundModel, fundsPaid } from "./fund-model.js";
import {
  DAY_MS,
  type Draft,
  type Institution,
  type ItemCode,
  institution,
  Kind,
  type Person,
} from "./model.js";
import {
  type County,
  OUT_OF_PROVINCE,
  outsideRegion,
  type Place,
  PROTON_CENTRE,
  PROVINCIAL_CAPITAL,
  type RegionProfile,
} from "./regions.js";
import { cumulative, type Rng } from "./rng.js";

/** Hospital tiers: 0 township (一级), 1 county (二级), 2 prefecture (三级), 3 Kunming, 4 other province. */
const LOCAL_TIER_WEIGHTS = cumulative([0.15, 0.6, 0.25]);
const MEDIAN_COST_YUAN = [1_800, 3_800, 7_500, 11_000, 15_000];
const COST_SIGMA = 0.7;
const FULL_OWN_PAY_SHARE = [0.03, 0.06, 0.1, 0.12, 0.15];

/** The product's catalogs the synthetic care uses: special drugs, CAR-T and proton / heavy-ion therapy. */
export interface ProductCatalogs {
  readonly drug: { readonly catalog: Catalog; readonly items: ItemCode[] } | undefined;
  readonly carT: readonly ItemCode[] | undefined;
  readonly proton: readonly ItemCode[] | undefined;
}

/** The first CAR-T, the first proton / heavy-ion and the first other (special-drug) catalog, by id and name. */
export function productCatalogs(product: Product): ProductCatalogs {
  let drug: ProductCatalogs["drug"];
  let carT: ItemCode[] | undefined;
  let proton: ItemCode[] | undefined;
  for (const catalog of product.catalogs) {
    const items = catalog.items.map((i) => encode(JSON.stringify(i.code)));
    const label = `${catalog.id} ${catalog.name}`;
    if (/car-?t/i.test(label)) carT ??= items;
    else if (/proton|heavy|质子|重离子/i.test(label)) proton ??= items;
    else drug ??= { catalog, items };
  }
  return { drug, carT, proton };
}

interface CatalogPlan {
  readonly items: readonly ItemCode[];
  readonly pharmacies: readonly Institution[];
  readonly hospitals: readonly Institution[];
}

export class Encounters {
  private readonly prefectureHospitals: Institution[];
  private readonly countyHospitals: Institution[][];
  private readonly townshipClinics: Institution[][];
  private readonly pharmacies: Institution[][];
  private readonly provincialHospitals: Institution[];
  private readonly outOfProvinceHospitals: Institution[];
  private readonly protonHospital: Institution;
  private readonly drugCatalog: CatalogPlan | undefined;
  private readonly carTItems: readonly ItemCode[] | undefined;
  private readonly protonItems: readonly ItemCode[] | undefined;

  constructor(
    product: Product,
    profile: RegionProfile,
    catalogs: ProductCatalogs,
    private readonly countyCdf: Float64Array,
    private readonly fund: FundModel,
  ) {
    const prefix = product.region.code.slice(0, 4);
    const seat = profile.counties[0] as County;
    this.prefectureHospitals = [
      institution(`H${seat.code}00001`, `${profile.shortName}人民医院`, seat.code, prefix),
      institution(`H${seat.code}00002`, `${profile.shortName}中医医院`, seat.code, prefix),
    ];
    this.countyHospitals = profile.counties.map((c) => [
      institution(`H${c.code}00011`, `${c.name}人民医院`, c.code, prefix),
      institution(`H${c.code}00012`, `${c.name}中医医院`, c.code, prefix),
    ]);
    this.townshipClinics = profile.counties.map((c) =>
      [1, 2, 3, 4].map((k) => institution(`H${c.code}0010${k}`, `${c.name}第${k}乡镇卫生院`, c.code, prefix)),
    );
    this.pharmacies = profile.counties.map((c) =>
      [1, 2, 3].map((k) => institution(`P${c.code}0001${k}`, `${c.name}第${k}定点零售药店`, c.code, prefix)),
    );
    const hospitals = (places: readonly Place[]) =>
      places.flatMap((p) =>
        [1, 2].map((k) => institution(`H${p.code}0000${k}`, `${p.name}三级医院${k}号`, p.code, prefix)),
      );
    this.provincialHospitals = hospitals(outsideRegion(PROVINCIAL_CAPITAL, product.region.code));
    this.outOfProvinceHospitals = hospitals(outsideRegion(OUT_OF_PROVINCE, product.region.code));
    this.protonHospital = institution(
      `H${PROTON_CENTRE.code}00009`,
      `${PROTON_CENTRE.name}质子重离子医院`,
      PROTON_CENTRE.code,
      prefix,
    );

    const known = new Map<string, Institution>(this.prefectureHospitals.map((i) => [i.code, i]));
    this.drugCatalog =
      catalogs.drug === undefined
        ? undefined
        : this.catalogPlan(catalogs.drug.catalog, catalogs.drug.items, known, seat, prefix);
    this.carTItems = catalogs.carT;
    this.protonItems = catalogs.proton;
  }

  private catalogPlan(
    catalog: Catalog,
    items: ItemCode[],
    known: Map<string, Institution>,
    seat: County,
    prefix: string,
  ): CatalogPlan {
    const designated = catalog.designatedInstitutions;
    if (designated === undefined) {
      return {
        items,
        pharmacies: this.pharmacies[0] as Institution[],
        hospitals: this.prefectureHospitals,
      };
    }
    const outlets = designated.map((code) => {
      const existing = known.get(code);
      if (existing !== undefined) return existing;
      const admvs = /^[A-Z](\d{6})/.exec(code)?.[1] ?? seat.code;
      const kind = code.startsWith("P") ? "药店" : "医院";
      return institution(
        code,
        `特药定点${kind}（${code}）`,
        /^\d{6}$/.test(admvs) ? admvs : seat.code,
        prefix,
      );
    });
    const pharmacies = outlets.filter((i) => i.code.startsWith("P"));
    const hospitals = outlets.filter((i) => !i.code.startsWith("P"));
    return {
      items,
      pharmacies: pharmacies.length > 0 ? pharmacies : outlets,
      hospitals: hospitals.length > 0 ? hospitals : outlets,
    };
  }

  /** The settlement of one event of the person, paid by the fund model. */
  draft(rng: Rng, p: Person, kind: Kind, at: number): Draft {
    const d: Draft = {
      medType: "21",
      begin: at - (at % 1000),
      end: 0,
      settled: 0,
      inst: this.prefectureHospitals[0] as Institution,
      diagnosis: undefined,
      total: 0,
      fullOwnPay: 0,
      overLimit: 0,
      preSelfPay: 0,
      inScope: 0,
      deductible: 0,
      pooled: 0,
      critical: 0,
      largeAmount: 0,
      civilServant: 0,
      assistance: 0,
      fund: 0,
      burden: 0,
      account: 0,
      cash: 0,
      itemCode: undefined,
      itemAmount: 0,
    };
    switch (kind) {
      case Kind.Inpatient:
      case Kind.CancerInpatient:
        this.inpatient(rng, p, d, kind === Kind.CancerInpatient);
        break;
      case Kind.Chronic:
        this.outpatient(rng, p, d, "14");
        break;
      case Kind.Outpatient:
        this.outpatient(rng, p, d, "11");
        break;
      case Kind.Pharmacy:
        this.pharmacy(rng, p, d);
        break;
      case Kind.SpecialDrug:
        this.specialDrug(rng, p, d);
        break;
      case Kind.CarT:
      case Kind.Proton:
        this.catalogTherapy(rng, p, d, kind === Kind.CarT);
        break;
    }
    this.fund.settle(rng, p, d);
    return d;
  }

  private localInstitution(rng: Rng, p: Person, tier: number): Institution {
    const county = rng.chance(0.9) ? p.county : rng.weighted(this.countyCdf);
    if (tier === 0) return rng.pick(this.townshipClinics[county] as Institution[]);
    if (tier === 1) return rng.pick(this.countyHospitals[county] as Institution[]);
    return rng.pick(this.prefectureHospitals);
  }

  private inpatient(rng: Rng, p: Person, d: Draft, cancerStay: boolean): void {
    const r = rng.float();
    d.medType = cancerStay ? "21" : r < 0.07 ? "22" : r < 0.12 ? "24" : r < 0.15 ? "23" : "21";
    const tail = rng.chance(cancerStay ? 0.08 : 0.015);
    const away = d.medType === "23" || rng.chance(tail ? 0.35 : 0.06);
    let tier: number;
    if (away) {
      tier = rng.chance(0.85) ? 3 : 4;
      d.inst = rng.pick(tier === 3 ? this.provincialHospitals : this.outOfProvinceHospitals);
    } else {
      tier = tail || cancerStay ? (rng.chance(0.7) ? 2 : 1) : rng.weighted(LOCAL_TIER_WEIGHTS);
      d.inst = this.localInstitution(rng, p, tier);
    }
    if (cancerStay) d.diagnosis = p.cancer?.code;
    else if (d.medType === "22") d.diagnosis = INJURY.codes[rng.weighted(INJURY.cdf)];
    else if (p.age < 15) d.diagnosis = CHILD_INPATIENT.codes[rng.weighted(CHILD_INPATIENT.cdf)];
    else d.diagnosis = ADULT_INPATIENT.codes[rng.weighted(ADULT_INPATIENT.cdf)];

    let yuan: number;
    if (tail) {
      yuan = Math.min(3_000_000, rng.pareto(tier >= 3 ? 60_000 : 40_000, 1.7));
    } else {
      let factor = p.age < 15 ? 0.6 : p.age >= 60 ? 1.15 : 1;
      if (p.employee) factor *= 1.1;
      if (cancerStay) factor *= 1.6;
      if (d.medType === "22") factor *= 1.3;
      yuan = rng.lognormal((MEDIAN_COST_YUAN[tier] as number) * factor, COST_SIGMA);
    }
    d.total = Math.max(10_000, Math.round(yuan * 100));
    const fullShare = Math.min(
      0.6,
      (FULL_OWN_PAY_SHARE[tier] as number) * rng.between(0.3, 1.7) + (tail ? 0.05 : 0),
    );
    split(d, fullShare, rng.chance(0.3) ? rng.float() * 0.02 : 0, rng.between(0.02, 0.08));

    const los = Math.max(1, Math.round(rng.lognormal(6, 0.55) * (tail ? 2.5 : 1) * (cancerStay ? 1.3 : 1)));
    d.end = d.begin + los * DAY_MS + Math.floor(rng.float() * 8 * 3600) * 1000;
    d.settled = d.end + Math.floor(rng.float() * 1800) * 1000;
    this.fund.inpatient(p, d, tier);
  }

  private outpatient(rng: Rng, p: Person, d: Draft, medType: "11" | "14"): void {
    d.medType = medType;
    let yuan: number;
    if (medType === "14") {
      const cancerCare = p.cancer !== undefined && rng.chance(0.3);
      d.diagnosis = cancerCare
        ? p.cancer?.code
        : CHRONIC_OUTPATIENT.codes[rng.weighted(CHRONIC_OUTPATIENT.cdf)];
      yuan = rng.lognormal(cancerCare ? 3_000 : d.diagnosis === "N18.500" ? 1_500 : 450, 0.8);
      d.inst = rng.chance(0.03)
        ? rng.pick(this.provincialHospitals)
        : this.localInstitution(rng, p, rng.chance(0.7) ? 1 : 2);
    } else {
      d.diagnosis = OUTPATIENT.codes[rng.weighted(OUTPATIENT.cdf)];
      yuan = rng.lognormal(120, 0.6);
      d.inst = this.localInstitution(rng, p, rng.chance(0.6) ? 0 : 1);
    }
    d.total = Math.max(500, Math.round(yuan * 100));
    split(d, rng.between(0.01, 0.05), 0, rng.between(0, 0.03));
    d.end = d.begin + (10 + rng.int(110)) * 60_000;
    d.settled = d.end;
    this.fund.outpatient(p, d, medType === "14");
  }

  private pharmacy(rng: Rng, p: Person, d: Draft): void {
    d.medType = "41";
    d.inst = rng.pick(this.pharmacies[p.county] as Institution[]);
    d.total = Math.max(500, Math.round(rng.lognormal(90, 0.7) * 100));
    d.fullOwnPay = Math.floor(d.total * rng.between(0, 0.4));
    d.inScope = d.total - d.fullOwnPay;
    d.end = d.begin + 5 * 60_000;
    d.settled = d.end;
  }

  private specialDrug(rng: Rng, p: Person, d: Draft): void {
    const catalog = this.drugCatalog as CatalogPlan;
    const r = rng.float();
    if (r < 0.1) {
      d.medType = "41";
      d.inst = rng.pick(this.pharmacies[p.county] as Institution[]); // not a designated outlet
    } else if (r < 0.25) {
      d.medType = "14";
      d.inst = rng.pick(catalog.hospitals);
    } else {
      d.medType = "41";
      d.inst = rng.pick(catalog.pharmacies);
    }
    d.diagnosis = p.cancer?.code;
    d.total = Math.round(rng.lognormal(9_000, 0.45) * 100);
    d.end = d.begin + 20 * 60_000;
    d.settled = d.end;
    if (p.drugInScope) {
      // 双通道 national-negotiation drug: 乙类 with 10 % 先行自付, then the outpatient special-drug ratio.
      d.preSelfPay = Math.floor(d.total * 0.1);
      d.inScope = d.total - d.preSelfPay;
      this.fund.specialDrug(p, d);
    } else {
      d.fullOwnPay = d.total;
    }
    d.itemCode = p.drugItem;
    d.itemAmount = d.total - fundsPaid(d); // the person's own burden for the drug
  }

  private catalogTherapy(rng: Rng, p: Person, d: Draft, carT: boolean): void {
    const items = (carT ? this.carTItems : this.protonItems) as readonly ItemCode[];
    d.medType = "21";
    d.diagnosis = p.cancer?.code;
    let tier: number;
    if (carT) {
      tier = rng.chance(0.6) ? 3 : 4;
      d.inst = rng.pick(tier === 3 ? this.provincialHospitals : this.outOfProvinceHospitals);
    } else {
      tier = 4;
      d.inst = this.protonHospital;
    }
    const therapy = Math.round(
      (carT ? rng.between(1_100_000, 1_300_000) : rng.between(270_000, 300_000)) * 100,
    );
    const stay = Math.round(rng.lognormal(carT ? 80_000 : 30_000, 0.4) * 100);
    d.total = stay;
    split(d, 0.12, 0, rng.between(0.02, 0.08));
    d.total += therapy;
    d.fullOwnPay += therapy; // not in the basic-insurance list: wholly self-paid
    d.itemCode = rng.pick(items);
    d.itemAmount = therapy;
    const los = Math.round(rng.lognormal(carT ? 25 : 40, 0.3));
    d.end = d.begin + los * DAY_MS;
    d.settled = d.end + Math.floor(rng.float() * 1800) * 1000;
    this.fund.inpatient(p, d, tier);
  }
}

/** Splits `d.total` into 全自费, 超限价, 先行自付 and 符合政策范围 by the given shares. */
function split(d: Draft, fullShare: number, overShare: number, preShare: number): void {
  d.fullOwnPay = Math.floor(d.total * fullShare);
  d.overLimit = Math.floor(d.total * overShare);
  d.preSelfPay = Math.floor(d.total * preShare);
  d.inScope = d.total - d.fullOwnPay - d.overLimit - d.preSelfPay;
}
