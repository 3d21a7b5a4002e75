// RFC 9457 problem details, the shape of every error answer.
import { Type } from 'typebox';

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    code: Type.String(),
    field: Type.Optional(Type.String()),
    requestId: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);
