import { Token } from 'aws-cdk-lib';

/**
 * Whether SageMaker refuses a storage KMS key for the instance type: types with local NVMe
 * instance storage (the `d` families, and the GPU and Trainium families that carry NVMe), whose
 * volumes the instance hardware encrypts. A token type is assumed to have none.
 */
export function hasInstanceStorage(instanceType: string | undefined): boolean {
  if (instanceType === undefined || Token.isUnresolved(instanceType)) {
    return false;
  }
  const family = instanceType.split('.')[1] ?? '';
  return /^[a-z]+[0-9]+[a-z]*d[n]?$/.test(family) || /^(g5|g6|g6e|p4d|p4de|p5|p5e|p5en|trn1|trn1n|trn2|gr6)$/.test(family);
}
