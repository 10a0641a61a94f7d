import { hash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

const LEAF = 'starling/run.leaf\n';
const NODE = Buffer.from('starling/run.node\n');

/** The Merkle leaf of one run: binds its run id to the agent it is for. */
export function runLeaf(runId: string, agentId: string): Buffer {
  // One-shot hash(): several times cheaper than createHash() per leaf, which matters at 100k runs.
  return hash('sha256', LEAF + canonicalJson({ agentId, runId }), 'buffer');
}

function parent(left: Buffer, right: Buffer): Buffer {
  return hash('sha256', Buffer.concat([NODE, left, right], NODE.length + 64), 'buffer');
}

/**
 * Build the tree over `leaves`: pairs are hashed level by level; an odd last node moves up
 * unchanged. Returns the root and each leaf's proof (its siblings, bottom up).
 */
export function merkleTree(leaves: Buffer[]): { root: Buffer; proofs: Buffer[][] } {
  if (leaves.length === 0) throw new RangeError('merkleTree: no leaves');
  const proofs: Buffer[][] = leaves.map(() => []);
  // positions[i] = index of leaf i's ancestor in the current level
  const positions = leaves.map((_, i) => i);
  let level = leaves;
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? parent(level[i]!, level[i + 1]!) : level[i]!);
    for (let leaf = 0; leaf < positions.length; leaf++) {
      const p = positions[leaf]!;
      const sibling = p ^ 1;
      if (sibling < level.length) proofs[leaf]!.push(level[sibling]!);
      positions[leaf] = p >> 1;
    }
    level = next;
  }
  return { root: level[0]!, proofs };
}

/** Fold a leaf and its proof up to the root, or null when the proof has the wrong length. */
export function merkleRoot(leaf: Buffer, index: number, size: number, proof: readonly Buffer[]): Buffer | null {
  let node = leaf;
  let i = index;
  let n = size;
  let used = 0;
  while (n > 1) {
    const sibling = i ^ 1;
    if (sibling < n) {
      const s = proof[used++];
      if (!s) return null;
      node = (i & 1) === 0 ? parent(node, s) : parent(s, node);
    }
    i >>= 1;
    n = (n + 1) >> 1;
  }
  return used === proof.length ? node : null;
}
