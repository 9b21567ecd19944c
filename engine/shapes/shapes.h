// The rule shapes, one accessor per file of engine/shapes/; AllShapes() lists them.
#ifndef PARINDEX_ENGINE_SHAPES_SHAPES_H_
#define PARINDEX_ENGINE_SHAPES_SHAPES_H_

#include "engine/rule_shape.h"

namespace parindex::engine::shapes {

const RuleShape& Bands();       // bands.cc
const RuleShape& Inverse();     // bands.cc
const RuleShape& Linear();      // linear.cc
const RuleShape& Target();      // target.cc
const RuleShape& Boolean();     // boolean.cc
const RuleShape& Deadline();    // deadline.cc
const RuleShape& Count();       // count.cc
const RuleShape& Judgement();   // judgement.cc
const RuleShape& Survey();      // survey.cc
const RuleShape& Adjustment();  // adjustment.cc

}  // namespace parindex::engine::shapes

#endif  // PARINDEX_ENGINE_SHAPES_SHAPES_H_
