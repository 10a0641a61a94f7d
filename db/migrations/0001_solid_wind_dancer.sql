CREATE TABLE "bot_messages" (
	"platform" text NOT NULL,
	"message_id" text NOT NULL,
	"conversation_id" text NOT NULL,
	"sender_id" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bot_messages_platform_message_id_pk" PRIMARY KEY("platform","message_id")
);
--> statement-breakpoint
CREATE TABLE "bot_deliveries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"delivery_key" text NOT NULL,
	"platform" text NOT NULL,
	"robot_key" text NOT NULL,
	"conversation_id" text,
	"source_message_id" text,
	"status" text NOT NULL,
	"via" text,
	"attempts" integer NOT NULL,
	"code" text,
	"reason" text,
	"message" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "bot_messages_received_idx" ON "bot_messages" USING btree ("received_at");--> statement-breakpoint
CREATE UNIQUE INDEX "bot_deliveries_key_idx" ON "bot_deliveries" USING btree ("delivery_key");--> statement-breakpoint
CREATE INDEX "bot_deliveries_status_idx" ON "bot_deliveries" USING btree ("status","created_at");