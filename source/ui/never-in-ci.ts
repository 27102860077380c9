/**
 * Stands in for is-in-ci in the bundle (scripts/build.js aliases it): Ink
 * asks it once, when it loads, and "in CI" paints only the last frame. The
 * wizard only renders on a terminal, where a CI variable says nothing about
 * it (CI runs our pseudo-terminal tests with CI=true, and some admins'
 * shells export it).
 */
const isInCi = false;
export default isInCi;
