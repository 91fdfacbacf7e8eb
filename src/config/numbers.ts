/** The number fields the experiment schema is built from (schema.ts, algorithm-schema.ts). */
import { z } from 'zod'

/** An integer of at least `min`. */
export const int = (min: number): z.ZodNumber => z.number().int().min(min)

/** A number above zero. */
export const positive = (): z.ZodNumber => z.number().positive()
