// Email addresses as sign-in names: trimmed, lower-cased, one '@' with something either side. Deliverability
// is not our concern (a self-hosted gateway's first admin is often admin@localhost).
import { z } from 'zod';

export const emailSchema = z
  .string()
  .trim()
  .max(254)
  .regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address such as admin@example.com')
  .transform((value) => value.toLowerCase());
