import { signS3Request } from '../src/store/s3-signing.js';

// The worked example of AWS's S3 documentation ("Signature Calculations for the Authorization Header:
// Transferring Payload in a Single Chunk", GET Object with a Range header).
test('SigV4 matches the S3 documentation example', () => {
  const headers = signS3Request(
    'GET',
    new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
    { Range: 'bytes=0-9' },
    { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', region: 'us-east-1' },
    new Date('2013-05-24T00:00:00Z'),
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  );
  expect(headers.authorization).toBe(
    'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
      'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, ' +
      'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
  );
});
