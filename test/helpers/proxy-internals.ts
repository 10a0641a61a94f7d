// Tests of the proxy's exactly-once rules apply hand-made channel messages directly.
export { applyChannelMessages as applyChannelMessagesForTest } from '../../proxy/lifecycle/apply-channel-messages.js';
