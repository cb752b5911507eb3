// SPDX-License-Identifier: Apache-2.0
// A small client of codebook's HTTP API on the types openapi-typescript
// generates from src/svc/openapi.json (api.d.ts, made by run.sh).  It must
// compile with tsc --strict: a schema that loses a member, a status or a
// problem type breaks it.  The @ts-expect-error lines hold the document to
// its precision: were a schema loose (extra members allowed, a required one
// optional, check results indistinct), the line would compile and tsc would
// report the unused directive.
import type { components, operations } from "./api";

type Schemas = components["schemas"];
type Ops = operations;

/** Every answer of an operation: status -> body (undefined when it has none). */
type Answers<O extends keyof Ops> = {
  [S in keyof Ops[O]["responses"]]: Ops[O]["responses"][S] extends { content: infer C }
    ? C[keyof C]
    : undefined;
};

/** The problem documents an operation can answer, whatever the status. */
type ProblemOf<O extends keyof Ops> = Exclude<
  { [S in keyof Answers<O>]: S extends number ? (S extends 200 | 201 | 202 | 304 ? never : Answers<O>[S]) : never }[keyof Answers<O>],
  undefined | Schemas["Readiness"]
>;

export class ApiError<O extends keyof Ops> extends Error {
  constructor(readonly status: number, readonly problem: ProblemOf<O>) {
    const p: Schemas["Problem"] = problem;
    super(`${p.type} (${status}): ${p.detail} [request ${p.request_id}]`);
  }
}

export class Codebook {
  constructor(private readonly base: string, private readonly key?: string) {}

  private async call<O extends keyof Ops, S extends number>(
    _op: O, method: string, path: string, ok: readonly S[], body?: unknown,
  ): Promise<{ status: S; body: S extends keyof Answers<O> ? Answers<O>[S] : never }> {
    const headers: Record<string, string> = {};
    if (this.key !== undefined) headers["Authorization"] = `Bearer ${this.key}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = JSON.stringify(body);
    const r = await fetch(this.base + path, init);
    const text = await r.text();
    const json: unknown = text ? JSON.parse(text) : undefined;
    if ((ok as readonly number[]).includes(r.status))
      return { status: r.status as S, body: json as S extends keyof Answers<O> ? Answers<O>[S] : never };
    throw new ApiError<O>(r.status, json as ProblemOf<O>);
  }

  async check(set: string, q: Schemas["CheckQuery"]): Promise<Schemas["CheckResult"]> {
    const { body } = await this.call("check", "POST", `/v1/code-sets/${encodeURIComponent(set)}/check`, [200] as const, q);
    // one query, one verdict: the batch shape has results and no code
    if ("results" in body) throw new Error("a batch answer to a single check");
    return body;
  }

  async checkBatch(set: string, b: Schemas["CheckBatch"]): Promise<Schemas["CheckBatchResult"]> {
    const { body } = await this.call("check", "POST", `/v1/code-sets/${encodeURIComponent(set)}/check`, [200] as const, b);
    if (!("results" in body)) throw new Error("a single verdict answer to a batch");
    return body;
  }

  async recordEvents(events: Schemas["EventInput"][]): Promise<Schemas["EventWriteResult"]> {
    return (await this.call("postEvents", "POST", "/v1/events", [200, 201] as const, { events })).body;
  }

  async events(): Promise<Schemas["EventPage"]> {
    return (await this.call("listEvents", "GET", "/v1/events", [200] as const)).body;
  }

  async order(id: string): Promise<Schemas["Order"]> {
    return (await this.call("getOrder", "GET", `/v1/orders/${encodeURIComponent(id)}`, [200] as const)).body;
  }

  async cancel(id: string, c: Schemas["CancellationInput"]): Promise<Schemas["CancellationAccepted"]> {
    return (await this.call("cancelOrder", "POST", `/v1/orders/${encodeURIComponent(id)}/cancellations`, [202] as const, c)).body;
  }
}

/** What a caller tells its user about a failed import: every problem type the
 * route documents is handled (the switch is exhaustive: a new type fails to
 * compile until it is handled here). */
export function explainImport(e: ApiError<"putOrder">): string {
  const p = e.problem;
  switch (p.type) {
    case "/problems/invalid-order":
      return `${p.error_count} fault(s), first at ${p.pointer}: ` + p.errors.map((f) => `${f.pointer} (${f.problem})`).join(", ");
    case "/problems/invalid-request":
      return `the order has the wrong shape at ${p.pointer ?? p.parameter ?? "?"}`;
    case "/problems/malformed-json":
      return `not JSON at line ${p.line ?? "?"}, column ${p.column ?? "?"}`;
    case "/problems/order-conflict":
      return `order ${p.order_id} is busy` + (p.payment_id !== undefined ? ` (refund ${p.payment_id})` : "");
    case "/problems/payload-too-large":
      return `at most ${p.limit} bytes`;
    case "/problems/unauthorized":
    case "/problems/method-not-allowed":
    case "/problems/malformed-request":
    case "/problems/request-timeout":
    case "/problems/length-required":
    case "/problems/uri-too-long":
    case "/problems/header-too-large":
    case "/problems/too-many-connections":
    case "/problems/unsupported-media-type":
    case "/problems/internal-error":
    case "/problems/http-version-not-supported":
      return p.detail;
    case "/problems/server-busy":
    case "/problems/shutting-down":
    case "/problems/storage-unavailable":
    case "/problems/outcome-unknown":
      return `retry with the same order: ${p.detail}`;
    default: {
      const unhandled: never = p;
      return unhandled;
    }
  }
}

/** A refund's state, told apart from a payment by its type. */
export function refundState(p: Schemas["Payment"]): string {
  if (p.type === "Payment") return `paid ${p.amount} ${p.currency}`;
  return `${p.status}, ${p.cancel_state ?? "processed by the seller"}, reason ${p.reason?.key ?? "none"}`;
}

// ---- the document is precise -------------------------------------------------------

export const verdict: Schemas["CheckResult"] = {
  set: "outbound", version: 1, code: "FRAUD.CHARGEBACK", context: {}, valid: true, reason: "valid",
  message: "FRAUD.CHARGEBACK is valid in outbound v1", alternatives: [],
};

// @ts-expect-error a verdict without its alternatives is not a CheckResult
export const noAlternatives: Schemas["CheckResult"] = {
  set: "outbound", version: 1, code: "X", context: {}, valid: false, reason: "unknown-code", message: "m",
};

export const stored: Schemas["Event"] = {
  event_id: "e1", service: "SCM", entity: "order", entity_id: "1", from_state: null, to_state: "held",
  reason_code: "FRAUD.CHARGEBACK", reason: null, actor: "u", occurred_at: "2026-02-06T09:30:00Z",
  category: "FRAUD", set_version: 1, received_at: "2026-02-06T09:30:01Z",
};

export const sent: Schemas["EventInput"] = {
  event_id: "e1", service: "SCM", entity: "order", entity_id: "1", to_state: "held",
  reason_code: "FRAUD.CHARGEBACK", actor: "u", occurred_at: "2026-02-06T09:30:00Z",
  // @ts-expect-error an input takes no stored members
  received_at: "2026-02-06T09:30:01Z",
};

// @ts-expect-error an invalid-order fault has a pointer, a problem and a message, not an item index
export const itemErrorAsOrderFault: Schemas["OrderFault"] = { index: 0, pointer: "/total", reason: "r", message: "m" };

export const wrongStatus: Schemas["InvalidOrderProblem"] = {
  type: "/problems/invalid-order", title: "Invalid order or refund",
  // @ts-expect-error a problem's status is that of its type
  status: 400, detail: "d", request_id: "r",
  pointer: "/total", error_count: 1, errors: [],
};
