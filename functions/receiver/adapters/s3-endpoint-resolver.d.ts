// The S3 client's own endpoint rules, without the client (see s3-payload-store.ts). The package
// ships the code under dist-es and its types under dist-types; this joins the two.
declare module '@aws-sdk/client-s3/dist-es/endpoint/endpointResolver.js' {
  export { defaultEndpointResolver } from '@aws-sdk/client-s3/dist-types/endpoint/endpointResolver.js';
}
