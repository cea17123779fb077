// Local k-means: k-means++ starts, Hamerly's accelerated assignment on worker threads,
// deterministic for a seed; k chosen by silhouette; a JSON model that predicts and explains.
// docs/kmeans.md describes the choices.
export {
  type ChooseKOptions,
  type ChooseKResult,
  chooseK,
  type KScore,
  silhouetteScore,
} from "./auto";
export { allocate, KMeansPool } from "./engine";
export { type FitOptions, type FitResult, fitKMeans, type StartResult } from "./fit";
export {
  type KMeansModel,
  MODEL_VERSION,
  type Prediction,
  predict,
  readModel,
  type Scaler,
  scaleRow,
} from "./model";
export { Rng } from "./random";
export { type Standardized, standardize } from "./scale";
