/**
 * One worker thread of a parallel stored replay (services/replay.ts): it is handed the COPY text of its share's
 * persons, then of its share's records (in person order), replays them under every design exactly as the replay
 * in one thread does (replay-rows.ts), and sends back its sums (StoredReplay.partial).
 *
 * Protocol (main → worker / worker → main):
 *   {kind: "persons", chunk} …, {kind: "records", chunk} …, {kind: "end"}  → {kind: "done", partial}
 *                                                                         | {kind: "whole"}
 * "whole": a record did not decode from its columns; the main thread then replays in one thread, which reads
 * such records whole (a worker has no database connection of its own).
 */
import { parentPort, workerData } from "node:worker_threads";
import type { ReplayDesign } from "../actuarial/replay.js";
import { StoredReplay, type StoredReplayPartial } from "../actuarial/stored-replay.js";
import { CopyTextRows } from "../db/copy-text.js";
import type { FundPayments } from "../domain/settlement.js";
import { RecordsByPerson, storedPerson } from "./replay-rows.js";

export interface ReplayWorkerJob {
  readonly designs: readonly ReplayDesign[];
  readonly funds: readonly (keyof FundPayments)[];
}

export type ToReplayWorker =
  | { readonly kind: "persons" | "records"; readonly chunk: Uint8Array }
  | { readonly kind: "end" };

export type FromReplayWorker =
  | { readonly kind: "done"; readonly partial: StoredReplayPartial }
  | { readonly kind: "whole" };

const port = parentPort;
if (port === null) throw new Error("replay-worker: not started as a worker thread");
const job = workerData as ReplayWorkerJob;
const replay = new StoredReplay(job.designs);
const persons = new CopyTextRows((c) => replay.addPerson(storedPerson(c)));
const byPerson = new RecordsByPerson(replay, job.funds);
const records = new CopyTextRows(byPerson.row);
let personsEnded = false;

port.on("message", (m: ToReplayWorker) => {
  if (m.kind === "persons") {
    persons.write(m.chunk);
    return;
  }
  // Every person is in before the first record (the main thread sends the persons' stream first).
  if (!personsEnded) {
    persons.end();
    personsEnded = true;
  }
  if (m.kind === "records") {
    records.write(m.chunk);
    return;
  }
  records.end();
  byPerson.end();
  const answer: FromReplayWorker =
    byPerson.whole.length > 0 ? { kind: "whole" } : { kind: "done", partial: replay.partial() };
  port.postMessage(answer);
  port.close();
});
