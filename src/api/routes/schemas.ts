/** JSON-schema pieces shared by routes. */
export const errorSchema = {
  type: "object",
  properties: {
    error: {
      type: "object",
      properties: {
        code: { type: "string" },
        message: { type: "string" },
        field: { type: ["string", "null"] },
      },
      required: ["code", "message", "field"],
    },
  },
} as const;

export const programParams = {
  type: "object",
  properties: { program_id: { type: "string", pattern: "^[a-z0-9][a-z0-9-]{1,62}$" } },
  required: ["program_id"],
} as const;

export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
};
