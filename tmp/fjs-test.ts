import { z } from 'zod';
import fjs from 'fast-json-stringify';
import { documentationRequestSchema, documentationListResponse } from '../src/modules/documentation-requests/documentation-requests.schemas.ts';
const js = z.toJSONSchema(documentationListResponse, { target: 'draft-7', io: 'output', unrepresentable: 'any' });
console.log(JSON.stringify(js).slice(0, 1500));
const s = fjs(js as any);
console.log(s({ data: [], nextCursor: null }));
