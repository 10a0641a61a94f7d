import { botDeliveries, type Db } from '../../db/index.js';

/** The final outcome of one robot message, as stored in bot_deliveries. */
export interface DeliveryRecord {
  deliveryKey: string;
  platform: string;
  robotKey: string;
  conversationId: string | null;
  sourceMessageId: string | null;
  status: 'sent' | 'undeliverable';
  via: string | null;
  attempts: number;
  code: string | null;
  reason: string | null;
  /** Kept for undeliverable messages so they can be read or resent; null once sent. */
  message: unknown;
}

/** Store a delivery's outcome once (a retried job that records again changes nothing). */
export async function recordDelivery(db: Db, record: DeliveryRecord): Promise<void> {
  await db.insert(botDeliveries).values(record).onConflictDoNothing({ target: botDeliveries.deliveryKey });
}
